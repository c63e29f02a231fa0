"""The API routes, one router per audience: public aggregates and the audited restricted timeline."""
