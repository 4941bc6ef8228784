//! Flow watermarks (SWIRL and predecessors).
