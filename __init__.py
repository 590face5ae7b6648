from . import models
from . import controllers
from . import report
from . import wizards
from .hooks import uninstall_hook
