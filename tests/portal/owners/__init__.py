"""Tests of portal.owners: claim codes, registration, bindings and an owner's pages."""
