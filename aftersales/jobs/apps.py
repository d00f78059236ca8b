from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class JobsConfig(AppConfig):
    name = "aftersales.jobs"
    verbose_name = _("后台任务")

    def ready(self) -> None:
        # Here, not at import: every app's jobs live in its ``tasks`` module, which imports its
        # models and services; the jobs app is the last of the project's apps to get ready.
        from aftersales.celery import app
        from aftersales.jobs.backends import celery_register
        from aftersales.jobs.registry import REGISTRY, load_all

        load_all()
        celery_register(app, REGISTRY.values())
