"""Notifications: WeChat subscribe messages written to a transactional outbox and delivered by the sweep."""
