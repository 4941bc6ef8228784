//! ICBW placeholder.
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct IcbwParams {}
impl IcbwParams {
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}
