"""Tests of portal.audit."""
