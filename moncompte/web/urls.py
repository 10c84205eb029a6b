from django.conf import settings
from django.urls import path

from moncompte.web import demo_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("creer-un-compte/", views.identity, name="identity"),
    path("creer-un-compte/code-envoye/", views.code_sent, name="code_sent"),
    path("creer-un-compte/code-personnel/", views.choose_password, name="choose_password"),
    path("connexion/", views.sign_in, name="sign_in"),
    path("deconnexion/", views.sign_out, name="sign_out"),
    path("captcha/nouveau/", views.captcha_new, name="captcha_new"),
    path("captcha/<str:challenge_id>/image.png", views.captcha_image, name="captcha_image"),
    path("captcha/<str:challenge_id>/audio.wav", views.captcha_audio, name="captcha_audio"),
]

if settings.DEMO:
    # R-MAIL2: the local mailbox exists only in the demo.
    urlpatterns += [
        path("demo/boite-mail/", demo_views.mailbox, name="demo_mailbox"),
        path("demo/boite-mail/<str:key>/", demo_views.mailbox_message, name="demo_mailbox_message"),
        path("demo/boite-mail/<str:key>/html", demo_views.mailbox_html, name="demo_mailbox_html"),
    ]
