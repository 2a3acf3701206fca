"""Billing of the tenant: plans, accounts, invoices and Stripe webhook events; the Stripe gateway;
the standing (trial, paid, payment due, lapsed) that decides whether a tenant may still change anything."""
