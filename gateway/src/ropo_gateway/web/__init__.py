"""HTTP plumbing shared by all channels: middleware, templates, cookies, operations endpoints."""
