from django.apps import AppConfig


class CaptchaConfig(AppConfig):
    name = "moncompte.captcha"
    label = "captcha"
    verbose_name = "CAPTCHA"
