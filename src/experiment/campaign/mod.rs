//! Campaigns: many runs of many scenario variants, and the files that keep them.
//!
//! A sweep file ([`sweep`]) names a base scenario and the values to vary; its points are cut
//! into work units of consecutive trials ([`shard`]), run and recorded one by one so that a
//! killed sweep resumes where it stopped ([`execute`], [`record`], checked on reading back by
//! [`record_check`]), split across machines as shards and joined again byte for byte
//! ([`merge`]). [`sweep_bounds`] refuses, before building anything, a sweep too large to hold;
//! [`partial`] is the hidden directory a long write goes into until it is whole.

pub mod execute;
pub mod merge;
pub mod partial;
pub mod record;
pub mod record_check;
pub mod shard;
pub mod sweep;
pub mod sweep_bounds;
