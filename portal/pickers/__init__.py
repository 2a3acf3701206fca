"""Pickers: choosing one community, firm, area, project manager or member out of thousands, by search."""
