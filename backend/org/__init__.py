"""Organisation: the region tree, liaison stations (联络站) and deputies (人大代表)."""
