import django; django.setup()
from django.test import Client
from django.test.utils import setup_test_environment
setup_test_environment()
c=Client()
r=c.post("/accounts/login/", {"username":"qc-agent","password":"demo-pass-2026"})
print(r.status_code, r.get("Location"))
if r.status_code==200:
    print(r.context["form"].errors)
