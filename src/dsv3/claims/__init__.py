"""The claims room of dsv3 (see ROOMS.md)."""
