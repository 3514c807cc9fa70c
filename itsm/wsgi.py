import gc
import os

from django.core.wsgi import get_wsgi_application
from django.urls import get_resolver

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
application = get_wsgi_application()

# What loading the app creates (modules, settings, the URL patterns and the views they import) lives as long as
# the worker: load it now and move it out of the garbage collector's generations, so that a collection during a
# request does not walk it (bench/RESULTS.md: the slowest requests of a page were such collections).
get_resolver().check()  # imports the URL patterns and their views
gc.freeze()
