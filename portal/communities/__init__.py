"""Areas (streets and community offices), communities (小区) and their units."""
