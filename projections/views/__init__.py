"""The stored views, each folded from the events and tracked by position, its tables defined beside it by row type."""
