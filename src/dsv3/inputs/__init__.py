"""The inputs room of dsv3 (see ROOMS.md)."""
