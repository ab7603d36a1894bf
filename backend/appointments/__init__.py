"""约见代表: citizens ask to meet a deputy; the deputy or the station answers."""
