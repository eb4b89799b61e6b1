"""Behavioural digital twins of SaaS services (Okta, Jira, Slack) on one shared runtime."""

__version__ = "0.1.0"
