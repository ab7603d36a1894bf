"""Web pages served to the public: the citizens' mobile pages behind every printed code (/q/{code},
/track/...) and the public pages (/public/...): stations, the leaderboard and headline statistics.

The pages call the same domain code as the API; the citizens' pages are static shells whose scripts
(static/web/*.js) talk to the API with an anonymous browser identity (POST /api/v1/auth/web).
Import the blueprint from ``backend.web.pages``; ``backend.web.limits`` is imported by API modules.
"""
