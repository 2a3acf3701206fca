"""Billing of tenants, the portal side: pages, sign-up, actions, webhook events and the platform overview."""
