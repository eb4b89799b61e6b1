"""The repair loop: a chat model edits a twin folder through audited tools until verify is satisfied."""
