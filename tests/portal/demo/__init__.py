"""Tests of portal.demo."""
