"""The browser pages of incidents: the end users' portal (portal.py) and the agents' workspace (agent_*.py)."""
