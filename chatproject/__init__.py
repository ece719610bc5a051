from chatproject import moved
from chatproject.celery import app as celery_app

# Before settings are read: they, or a fork's code, may name a module by its former path.
moved.install()

__all__ = ("celery_app",)
