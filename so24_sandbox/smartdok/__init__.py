"""Smartdok REST API v1 emulator: session tokens, users, projects, activities, wages, work hours."""
