"""Tests of portal.api."""
