"""The Jira Cloud twin (in progress: the JQL engine in `twins.jira.jql` comes first)."""
