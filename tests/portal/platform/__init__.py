"""Tests of portal.platform."""
