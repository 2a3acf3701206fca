"""Backups that are proven: database dump + upload store + instance files, a manifest of checksums, restore drills."""
