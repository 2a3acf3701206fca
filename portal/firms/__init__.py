"""Property-management firms (物业企业) registered in a tenant."""
