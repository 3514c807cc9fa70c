"""The CMDB API: /api/v1/cmdb/classes/, /cis/, /relationships/, /cis/{id}/impact/."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
