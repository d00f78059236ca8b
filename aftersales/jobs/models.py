from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Job(models.Model):
    """A unit of background work for the embedded runner (no broker installed).

    With a Celery broker configured, jobs go to Celery instead and this table stays empty.
    """

    class Status(models.TextChoices):
        QUEUED = "queued", _("排队中")
        RUNNING = "running", _("运行中")
        DONE = "done", _("已完成")
        FAILED = "failed", _("失败")

    name = models.CharField(_("任务"), max_length=100)
    kwargs = models.JSONField(_("参数"), default=dict)
    status = models.CharField(_("状态"), max_length=10, choices=Status.choices, default=Status.QUEUED)
    attempts = models.PositiveSmallIntegerField(_("尝试次数"), default=0)
    max_attempts = models.PositiveSmallIntegerField(_("最多尝试"), default=5)
    run_after = models.DateTimeField(_("最早运行时间"), db_index=True)
    # Scheduled runs of periodic jobs use it so two runners never queue the same slot twice.
    dedupe_key = models.CharField(max_length=200, null=True, blank=True, unique=True)
    locked_by = models.CharField(max_length=100, blank=True)
    locked_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(_("错误"), blank=True)
    created_at = models.DateTimeField(_("创建时间"), auto_now_add=True)
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)

    class Meta:
        verbose_name = _("后台任务")
        verbose_name_plural = _("后台任务")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["status", "run_after"])]

    def __str__(self) -> str:
        return f"{self.name} #{self.pk} ({self.status})"


class Heartbeat(models.Model):
    """Written by the ``jobs.ping`` job: proof that some worker picked work up."""

    marker = models.CharField(max_length=100, unique=True)
    seen_at = models.DateTimeField()
    worker = models.CharField(max_length=200, blank=True)

    class Meta:
        verbose_name = _("心跳")
        verbose_name_plural = _("心跳")

    def __str__(self) -> str:
        return self.marker
