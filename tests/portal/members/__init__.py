"""Tests of portal.members."""
