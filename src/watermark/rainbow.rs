//! RAINBOW placeholder.
use serde::{Deserialize, Serialize};
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, Default)]
#[serde(default, deny_unknown_fields)]
pub struct RainbowParams {}
impl RainbowParams {
    pub fn validate(&self) -> Result<(), String> {
        Ok(())
    }
}
