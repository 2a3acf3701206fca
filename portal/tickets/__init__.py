"""Repairs and complaints (报修投诉): tickets, their deadlines, workflow, escalation and follow-up visits."""
