"""Sign-in, tokens, roles and scopes: who a caller is and what they may see."""
