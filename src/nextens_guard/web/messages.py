"""Every word a user reads, in Dutch and English, in one place.

The Dutch follows the Nextens manual; the English says the same.
"""

from __future__ import annotations

__all__ = ["MESSAGES"]

NL: dict[str, str] = {
    "product": "Nextens",
    "title": "Twee staps verificatie",
    "step_of": "Stap {step} van {total}",
    "next": "Volgende",
    "back": "Vorige",
    "submit_code": "Controleren",
    "to_login": "Naar inloggen",
    "help_sync_link": "Codes worden niet geaccepteerd? Zet de klok van uw telefoon gelijk.",
    # Enrollment
    "enroll.intro": (
        "Voor uw kantoor is twee staps verificatie geactiveerd. Na het inloggen met "
        "gebruikersnaam en wachtwoord vraagt Nextens voortaan ook om een code van 6 cijfers "
        "uit een app op uw telefoon."
    ),
    "enroll.install.heading": "Installeer de app",
    "enroll.install.body": (
        "Installeer Microsoft Authenticator of Google Authenticator op uw telefoon. "
        "U vindt beide apps gratis in de App Store (iPhone) en in Google Play (Android)."
    ),
    "enroll.scan.heading": "Scan de QR-code",
    "enroll.scan.body": (
        "Open de app, kies 'Account toevoegen' (Microsoft Authenticator: 'Ander account') "
        "en scan deze QR-code met de camera van uw telefoon."
    ),
    "enroll.scan.qr_label": "QR-code voor uw authenticator app",
    "enroll.scan.manual": "Lukt scannen niet? Voer dan deze sleutel handmatig in de app in:",
    "enroll.code.heading": "Voer de code in",
    "enroll.code.body": (
        "Voer de code van 6 cijfers in die de app nu toont. De app maakt elke 30 seconden "
        "een nieuwe code."
    ),
    "enroll.finish.heading": "Noteer uw resetcode en activeer",
    "enroll.finish.body": (
        "Dit is uw persoonlijke resetcode. Raakt u uw telefoon kwijt, dan kunt u met deze "
        "code zelf de twee staps verificatie opnieuw instellen."
    ),
    "enroll.finish.advice": (
        "Bewaar de resetcode op een veilige plek, niet op uw telefoon. U kunt hem later "
        "opnieuw bekijken na het invoeren van uw wachtwoord."
    ),
    "enroll.finish.button": "Activeren",
    "enroll.expired": "Deze stap is verlopen. Begin opnieuw met het instellen.",
    # Verification
    "verify.heading": "Voer uw verificatie code in",
    "verify.body": "Open de authenticator app op uw telefoon en voer de code van 6 cijfers in.",
    "verify.lost": "Twee staps verificatie code kwijt?",
    "field.code": "Verificatie code",
    "field.reset_code": "Resetcode",
    "field.password": "Wachtwoord",
    # Recovery
    "recover.heading": "Twee staps verificatie code kwijt?",
    "recover.body": (
        "Voer uw persoonlijke resetcode in. Daarna stelt u de twee staps verificatie "
        "opnieuw in met een nieuwe QR-code; de oude instelling in de app werkt dan niet meer."
    ),
    "recover.button": "Opnieuw instellen",
    "recover.back": "Terug naar de code",
    # Errors on fields
    "error.code_missing": "Vul de verificatie code in.",
    "error.code_malformed": "Een verificatie code bestaat uit 6 cijfers.",
    "error.code_wrong": "Deze code is niet juist. Probeer de code die de app nu toont.",
    "error.code_replayed": "Deze code is al gebruikt. Wacht op de volgende code in de app.",
    "error.code_drift": (
        "Deze code hoort bij een ander tijdstip: de klok van uw telefoon lijkt niet gelijk "
        "te lopen. Zet de klok gelijk en probeer het opnieuw."
    ),
    "error.reset_code_missing": "Vul uw resetcode in.",
    "error.reset_code_malformed": "Een resetcode bestaat uit 20 letters en cijfers.",
    "error.reset_code_wrong": "Deze resetcode is niet juist.",
    "error.locked": ("Te veel onjuiste pogingen. Probeer het over {seconds} seconden opnieuw."),
    "error.csrf": ("Het formulier is verlopen of komt niet van deze pagina. Probeer het opnieuw."),
    # Whole-page errors
    "page.403.title": "Geen toegang",
    "page.403.body": "U heeft geen rechten voor deze pagina.",
    "page.404.title": "Niet gevonden",
    "page.404.body": "Deze pagina bestaat niet.",
    "page.413.title": "Te veel gegevens",
    "page.413.body": "Het formulier bevat meer gegevens dan toegestaan.",
    "page.429.title": "Te veel pogingen",
    "page.500.title": "Er ging iets mis",
    "page.500.body": "Er ging iets mis aan onze kant. Probeer het later opnieuw.",
    "page.503.title": "Tijdelijk niet beschikbaar",
    "page.503.body": (
        "De twee staps verificatie is op dit moment niet bereikbaar. Voor uw veiligheid "
        "kunt u Nextens pas verder gebruiken als die weer werkt. Probeer het over een "
        "minuut opnieuw."
    ),
    "page.unknown_user.body": "Uw sessie hoort niet bij een bekende gebruiker. Log opnieuw in.",
    # Clock sync help
    "sync.heading": "Klok van uw telefoon gelijkzetten",
    "sync.intro": (
        "De codes van de app zijn gebaseerd op de tijd. Loopt de klok van uw telefoon voor "
        "of achter, dan worden de codes niet geaccepteerd. Zo zet u de klok gelijk:"
    ),
    "sync.android_google.heading": "Android met Google Authenticator",
    "sync.android_google.steps": (
        "Open op uw telefoon Instellingen > Systeem > Datum en tijd.|"
        "Zet 'Tijd automatisch instellen' en 'Tijdzone automatisch instellen' aan.|"
        "Open Google Authenticator, tik op het menu (drie puntjes) > Instellingen > "
        "Tijdcorrectie voor codes > Nu synchroniseren (als uw versie die optie heeft).|"
        "Voer de nieuwe code in."
    ),
    "sync.android_microsoft.heading": "Android met Microsoft Authenticator",
    "sync.android_microsoft.steps": (
        "Open op uw telefoon Instellingen > Systeem > Datum en tijd.|"
        "Zet 'Tijd automatisch instellen' en 'Tijdzone automatisch instellen' aan.|"
        "Sluit Microsoft Authenticator helemaal af en open de app opnieuw.|"
        "Voer de nieuwe code in."
    ),
    "sync.ios.heading": "iPhone (iOS), met Microsoft of Google Authenticator",
    "sync.ios.steps": (
        "Open Instellingen > Algemeen > Datum en tijd.|"
        "Zet 'Automatisch instellen' aan.|"
        "Sluit de authenticator app helemaal af en open de app opnieuw.|"
        "Voer de nieuwe code in."
    ),
}

EN: dict[str, str] = {
    "product": "Nextens",
    "title": "Two-step verification",
    "step_of": "Step {step} of {total}",
    "next": "Next",
    "back": "Back",
    "submit_code": "Verify",
    "to_login": "Go to login",
    "help_sync_link": "Codes not accepted? Set your phone's clock right.",
    "enroll.intro": (
        "Your office has switched on two-step verification. After you log in with your "
        "username and password, Nextens will also ask for a 6-digit code from an app on "
        "your phone."
    ),
    "enroll.install.heading": "Install the app",
    "enroll.install.body": (
        "Install Microsoft Authenticator or Google Authenticator on your phone. Both are "
        "free in the App Store (iPhone) and on Google Play (Android)."
    ),
    "enroll.scan.heading": "Scan the QR code",
    "enroll.scan.body": (
        "Open the app, choose 'Add account' (Microsoft Authenticator: 'Other account') and "
        "scan this QR code with your phone's camera."
    ),
    "enroll.scan.qr_label": "QR code for your authenticator app",
    "enroll.scan.manual": "Scanning does not work? Type this key into the app instead:",
    "enroll.code.heading": "Enter the code",
    "enroll.code.body": (
        "Enter the 6-digit code the app shows now. The app makes a new code every 30 seconds."
    ),
    "enroll.finish.heading": "Note your reset code and activate",
    "enroll.finish.body": (
        "This is your personal reset code. If you lose your phone, this code lets you set "
        "up two-step verification again yourself."
    ),
    "enroll.finish.advice": (
        "Keep the reset code somewhere safe, not on your phone. You can see it again later "
        "after entering your password."
    ),
    "enroll.finish.button": "Activate",
    "enroll.expired": "This step has expired. Please start the set-up again.",
    "verify.heading": "Enter your verification code",
    "verify.body": "Open the authenticator app on your phone and enter the 6-digit code.",
    "verify.lost": "Lost your two-step verification code?",
    "field.code": "Verification code",
    "field.reset_code": "Reset code",
    "field.password": "Password",
    "recover.heading": "Lost your two-step verification code?",
    "recover.body": (
        "Enter your personal reset code. You will then set up two-step verification again "
        "with a new QR code; the old entry in the app stops working."
    ),
    "recover.button": "Set up again",
    "recover.back": "Back to the code",
    "error.code_missing": "Please enter the verification code.",
    "error.code_malformed": "A verification code has 6 digits.",
    "error.code_wrong": "This code is not right. Try the code the app shows now.",
    "error.code_replayed": "This code has been used already. Wait for the next code in the app.",
    "error.code_drift": (
        "This code belongs to another time: your phone's clock seems to be off. Set the "
        "clock right and try again."
    ),
    "error.reset_code_missing": "Please enter your reset code.",
    "error.reset_code_malformed": "A reset code has 20 letters and digits.",
    "error.reset_code_wrong": "This reset code is not right.",
    "error.locked": "Too many wrong attempts. Please try again in {seconds} seconds.",
    "error.csrf": "The form has expired or did not come from this page. Please try again.",
    "page.403.title": "No access",
    "page.403.body": "You do not have the rights for this page.",
    "page.404.title": "Not found",
    "page.404.body": "This page does not exist.",
    "page.413.title": "Too much data",
    "page.413.body": "The form holds more data than allowed.",
    "page.429.title": "Too many attempts",
    "page.500.title": "Something went wrong",
    "page.500.body": "Something went wrong on our side. Please try again later.",
    "page.503.title": "Temporarily unavailable",
    "page.503.body": (
        "Two-step verification cannot be reached right now. For your safety you can go on "
        "using Nextens once it works again. Please try again in a minute."
    ),
    "page.unknown_user.body": "Your session does not belong to a known user. Please log in again.",
    "sync.heading": "Setting your phone's clock right",
    "sync.intro": (
        "The app's codes are based on the time. When your phone's clock runs fast or slow, "
        "the codes are not accepted. This is how to set the clock right:"
    ),
    "sync.android_google.heading": "Android with Google Authenticator",
    "sync.android_google.steps": (
        "On your phone, open Settings > System > Date & time.|"
        "Switch on 'Set time automatically' and 'Set time zone automatically'.|"
        "Open Google Authenticator, tap the menu (three dots) > Settings > Time correction "
        "for codes > Sync now (if your version has that option).|"
        "Enter the new code."
    ),
    "sync.android_microsoft.heading": "Android with Microsoft Authenticator",
    "sync.android_microsoft.steps": (
        "On your phone, open Settings > System > Date & time.|"
        "Switch on 'Set time automatically' and 'Set time zone automatically'.|"
        "Close Microsoft Authenticator completely and open it again.|"
        "Enter the new code."
    ),
    "sync.ios.heading": "iPhone (iOS), with Microsoft or Google Authenticator",
    "sync.ios.steps": (
        "Open Settings > General > Date & Time.|"
        "Switch on 'Set Automatically'.|"
        "Close the authenticator app completely and open it again.|"
        "Enter the new code."
    ),
}

MESSAGES: dict[str, dict[str, str]] = {"nl": NL, "en": EN}
