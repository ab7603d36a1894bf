"""码上办: micro-suggestions (微建议) from a citizen's scan to the citizen's rating."""
