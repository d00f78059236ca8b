from django.contrib import admin

from aftersales.catalog.models import PartWarrantyOverride, ProductCategory, ProductModel, SparePart


@admin.register(ProductCategory)
class ProductCategoryAdmin(admin.ModelAdmin):
    list_display = ("name", "code", "kind", "organization", "whole_unit_months", "main_parts_months")
    list_filter = ("organization", "kind")


class PartOverrideInline(admin.TabularInline):
    model = PartWarrantyOverride
    extra = 0
    autocomplete_fields = ("spare_part",)


@admin.register(ProductModel)
class ProductModelAdmin(admin.ModelAdmin):
    list_display = (
        "model_number",
        "brand",
        "name",
        "category",
        "organization",
        "whole_unit_months",
        "main_parts_months",
    )
    list_filter = ("organization", "category")
    search_fields = ("model_number", "name", "brand")
    inlines = [PartOverrideInline]


@admin.register(SparePart)
class SparePartAdmin(admin.ModelAdmin):
    list_display = ("part_number", "name", "price", "is_main_part", "organization")
    list_filter = ("organization", "is_main_part")
    search_fields = ("part_number", "name")
    filter_horizontal = ("fits",)
