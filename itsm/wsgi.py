import gc
import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "itsm.settings")
application = get_wsgi_application()

# What loading the app created (modules, URL patterns, settings, ...) lives as long as the worker: move it out of
# the garbage collector's generations, so that a collection during a request does not walk it (bench/RESULTS.md:
# the slowest requests of a page were such collections).
gc.freeze()
