from django.contrib import admin

from aftersales.customers.models import ImportJob, Unit


@admin.register(Unit)
class UnitAdmin(admin.ModelAdmin):
    # Customers carry encrypted personal data and are managed in the console, where reveals
    # are audited; the admin shows units only.
    list_display = ("serial_number", "product_model", "organization", "purchase_date", "sales_channel")
    list_filter = ("organization", "sales_channel")
    search_fields = ("serial_number", "invoice_number", "order_number")
    raw_id_fields = ("customer", "product_model")


@admin.register(ImportJob)
class ImportJobAdmin(admin.ModelAdmin):
    list_display = ("filename", "organization", "status", "total", "created_by", "created_at")
    list_filter = ("status", "organization")
    readonly_fields = ("result", "errors")
