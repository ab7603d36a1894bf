"""立法意见征集 through 基层立法联系点 (see models.py)."""
