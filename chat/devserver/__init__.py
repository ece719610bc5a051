"""The development server behind `manage.py runchat`: its address, its port, and what it
serves while the assistant cannot be loaded."""
