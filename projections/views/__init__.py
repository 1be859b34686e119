"""The stored views, each folded from the events and tracked by position."""
