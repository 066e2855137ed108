"""The book's presentation: number formats, figure style and palette, tables."""
