"""What several views share."""

from django.http import HttpRequest

from moncompte.web.forms.journey import CaptchaForm

FORM_METHODS = ["GET", "HEAD", "POST"]


def captcha_form[F: CaptchaForm](request: HttpRequest, form_class: type[F]) -> tuple[F, bool]:
    """A form with a CAPTCHA, and whether it was submitted valid. "Nouveau code" re-shows what was typed,
    without errors (R-A11Y2)."""
    wants_new_captcha = request.POST.get("action") == "new_captcha"
    form = form_class(initial=request.POST.dict()) if wants_new_captcha else form_class(request.POST or None)
    submitted = request.method == "POST" and not wants_new_captcha and form.is_valid()
    return form, submitted
