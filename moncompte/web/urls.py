from django.urls import path

from moncompte.web import account_views, demo_views, views

app_name = "web"

urlpatterns = [
    path("", views.home, name="home"),
    path("creer-un-compte/", views.identity, name="identity"),
    path("creer-un-compte/code-envoye/", views.code_sent, name="code_sent"),
    path("creer-un-compte/code-personnel/", views.choose_password, name="choose_password"),
    path("creer-un-compte/coordonnees/", views.contact, name="contact"),
    path("creer-un-compte/validation-email/", views.email_validation, name="email_validation"),
    path("email/<str:token>/", views.email_link, name="email_link"),
    path("connexion/", views.sign_in, name="sign_in"),
    path("code-oublie/", views.code_forgot, name="code_forgot"),
    path("code-oublie/envoye/", views.code_forgot_sent, name="code_forgot_sent"),
    path("mon-compte/", account_views.account, name="account"),
    path("mon-compte/email-a-confirmer/", account_views.email_pending, name="email_pending"),
    path("mon-compte/consentement/", account_views.consent, name="consent"),
    path("mon-compte/email/", account_views.email_change, name="email_change"),
    path("mon-compte/code/", account_views.password_change_view, name="password_change"),
    path("deconnexion/", views.sign_out, name="sign_out"),
    path("captcha/nouveau/", views.captcha_new, name="captcha_new"),
    path("captcha/<str:challenge_id>/image.png", views.captcha_image, name="captcha_image"),
    path("captcha/<str:challenge_id>/audio.wav", views.captcha_audio, name="captcha_audio"),
    # R-MAIL2: the local mailbox answers only in the demo (404 everywhere else).
    path("demo/boite-mail/", demo_views.mailbox, name="demo_mailbox"),
    path("demo/boite-mail/<str:key>/", demo_views.mailbox_message, name="demo_mailbox_message"),
    path("demo/boite-mail/<str:key>/html", demo_views.mailbox_html, name="demo_mailbox_html"),
]
