"""Tests of portal.dashboard."""
