"""The runner framework: views fed from the notification log, their storage, the decoded event and context."""
