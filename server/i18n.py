"""The staff web UI's message catalogue, in Kyrgyz, Russian and English.

Every sentence a staff page shows comes from here, so a translator edits one
file and a test can check that no language is missing a message. Problems
(``server.problems``) keep their English wording for the API; the pages show
the Kyrgyz or Russian sentence below for the codes a person meets there, and
the English original when it carries specifics (a field, pyxform's hint).
"""
from __future__ import annotations

from string import Formatter

LANGUAGES = ("ky", "ru", "en")
DEFAULT_LANGUAGE = "ru"
LANGUAGE_NAMES = {"ky": "Кыргызча", "ru": "Русский", "en": "English"}

# key: (Kyrgyz, Russian, English)
MESSAGES: dict[str, tuple[str, str, str]] = {
    "app.name": ("Сапат", "Сапат", "Sapat"),
    "app.tagline": ("Кесиптик билим берүүнүн сапатын мониторингдөө",
                    "Мониторинг качества профессионального образования",
                    "Monitoring the quality of vocational education"),
    "nav.projects": ("Долбоорлор", "Проекты", "Projects"),
    "nav.logout": ("Чыгуу", "Выйти", "Sign out"),
    "nav.language": ("Тил", "Язык", "Language"),
    "nav.signed_in_as": ("Кирген колдонуучу: {name} ({role})", "Вы вошли как {name} ({role})",
                         "Signed in as {name} ({role})"),
    "role.administrator": ("Администратор", "Администратор", "Administrator"),
    "role.data_manager": ("Маалымат менеджери", "Менеджер данных", "Data manager"),
    "role.verifier": ("Текшерүүчү", "Верификатор", "Verifier"),
    "role.analyst": ("Аналитик", "Аналитик", "Analyst"),
    "role.department_viewer": ("Департамент (көрүү гана)", "Департамент (только просмотр)",
                               "Department (view only)"),
    "common.yes": ("Ооба", "Да", "Yes"),
    "common.no": ("Жок", "Нет", "No"),
    "common.none": ("—", "—", "—"),
    # Sign-in
    "login.title": ("Системага кирүү", "Вход в систему", "Sign in"),
    "login.email": ("Электрондук почта", "Электронная почта", "Email"),
    "login.password": ("Сырсөз", "Пароль", "Password"),
    "login.submit": ("Кирүү", "Войти", "Sign in"),
    "login.failed": ("Электрондук почта же сырсөз туура эмес.", "Неверная электронная почта или пароль.",
                     "The email or password is not correct."),
    "notice.signed_out": ("Сиз системадан чыктыңыз.", "Вы вышли из системы.", "You have signed out."),
    # Projects
    "projects.title": ("Долбоорлор", "Проекты", "Projects"),
    "projects.intro": ("Ар бир долбоор — мониторингдин бир цикли.", "Каждый проект — один цикл мониторинга.",
                       "Each project is one monitoring cycle."),
    "projects.none": ("Азырынча долбоорлор жок.", "Проектов пока нет.", "There are no projects yet."),
    "projects.create": ("Жаңы долбоор", "Новый проект", "New project"),
    "projects.create_submit": ("Долбоор түзүү", "Создать проект", "Create project"),
    "project.name": ("Аталышы", "Название", "Name"),
    "project.year": ("Жылы", "Год", "Year"),
    "project.stage": ("Этабы", "Этап", "Stage"),
    "project.status": ("Абалы", "Статус", "Status"),
    "stage.pilot": ("Пилоттук", "Пилотный", "Pilot"),
    "stage.main": ("Негизги", "Основной", "Main"),
    "project_status.open": ("Ачык", "Открыт", "Open"),
    "project_status.archived": ("Архивде", "В архиве", "Archived"),
    "notice.project_created": ("Долбоор түзүлдү.", "Проект создан.", "The project was created."),
    # Forms of a project
    "forms.title": ("Формалар", "Формы", "Forms"),
    "forms.none": ("Бул долбоордо азырынча формалар жок.", "В этом проекте пока нет форм.",
                   "This project has no forms yet."),
    "form.id": ("Форманын ID", "ID формы", "Form ID"),
    "form.title": ("Аталышы", "Название", "Title"),
    "form.published_version": ("Жарыяланган версия", "Опубликованная версия", "Published version"),
    "form.not_published": ("жарыялана элек", "не опубликована", "not published"),
    "form.state": ("Абалы", "Состояние", "State"),
    "form.submissions": ("Жөнөтүүлөр", "Отправки", "Submissions"),
    "form.draft_pending": ("Каралама барбы?", "Есть черновик?", "Draft pending?"),
    "form_state.open": ("Ачык", "Открыта", "Open"),
    "form_state.closing": ("Жабылууда", "Закрывается", "Closing"),
    "form_state.closed": ("Жабык", "Закрыта", "Closed"),
    "form_state.help": ("«Жабылууда»: жаңы түзмөктөр форманы көрбөйт, бирок толтурулгандар кабыл алынат. "
                        "«Жабык»: жөнөтүүлөр кабыл алынбайт.",
                        "«Закрывается»: новые устройства форму не видят, но заполненные формы принимаются. "
                        "«Закрыта»: отправки не принимаются.",
                        "Closing: new devices no longer see the form, but filled-in forms are still accepted. "
                        "Closed: no submissions are accepted."),
    "state.save": ("Абалын сактоо", "Сохранить состояние", "Save state"),
    "notice.state_changed": ("Форманын абалы өзгөртүлдү.", "Состояние формы изменено.",
                             "The form's state was changed."),
    "upload.title": ("Форманы жүктөө", "Загрузка формы", "Upload a form"),
    "upload.help": ("XLSForm (.xlsx, .xls) же XForm (.xml) файлын тандаңыз. Жүктөлгөн форма адегенде каралама "
                    "болот: аны текшерип, анан жарыялаңыз.",
                    "Выберите файл XLSForm (.xlsx, .xls) или XForm (.xml). Загруженная форма сначала становится "
                    "черновиком: проверьте её, затем опубликуйте.",
                    "Choose an XLSForm (.xlsx, .xls) or XForm (.xml) file. An uploaded form becomes a draft "
                    "first: check it, then publish it."),
    "upload.file": ("Файл", "Файл", "File"),
    "upload.submit": ("Жүктөө", "Загрузить", "Upload"),
    "upload.errors": ("Формада каталар бар. Аларды оңдоп, файлды кайра жүктөңүз:",
                      "В форме есть ошибки. Исправьте их и загрузите файл снова:",
                      "The form has errors. Fix them and upload the file again:"),
    "upload.sheet": ("Барак", "Лист", "Sheet"),
    "upload.row": ("Сап", "Строка", "Row"),
    "notice.draft_uploaded": ("Каралама жүктөлдү. Аны текшерип, жарыялаңыз.",
                              "Черновик загружен. Проверьте его и опубликуйте.",
                              "The draft was uploaded. Check it, then publish it."),
    "drafts.title": ("Каралама формалар", "Черновики форм", "Form drafts"),
    "draft.version": ("Версиясы", "Версия", "Version"),
    "draft.media": ("Медиа файлдар", "Медиафайлы", "Media files"),
    "draft.media_missing": ("жүктөлө элек", "не загружен", "missing"),
    "draft.media_present": ("жүктөлдү", "загружен", "uploaded"),
    "draft.media_upload": ("Файлды жүктөө", "Загрузить файл", "Upload file"),
    "draft.missing_hint": ("Жарыялоодон мурун бардык медиа файлдарды жүктөңүз.",
                           "Перед публикацией загрузите все медиафайлы.",
                           "Upload every media file before publishing."),
    "draft.publish": ("Жарыялоо", "Опубликовать", "Publish"),
    "notice.media_uploaded": ("Медиа файл жүктөлдү.", "Медиафайл загружен.", "The media file was uploaded."),
    "notice.published": ("Форма жарыяланды.", "Форма опубликована.", "The form was published."),
    # App users
    "app_users.title": ("Тиркеменин колдонуучулары (планшеттер)", "Пользователи приложения (планшеты)",
                        "App users (tablets)"),
    "app_users.intro": ("ODK Collect ушул колдонуучулардын атынан формаларды алат жана маалыматтарды жөнөтөт.",
                        "ODK Collect получает формы и отправляет данные от имени этих пользователей.",
                        "ODK Collect downloads forms and sends data as these users."),
    "app_users.none": ("Азырынча колдонуучулар жок.", "Пользователей пока нет.", "There are no app users yet."),
    "app_user.name": ("Аты", "Имя", "Name"),
    "app_user.name_help": ("Мисалы, планшеттеги белги.", "Например, надпись на планшете.",
                           "For example, the label on the tablet."),
    "app_user.forms": ("Дайындалган формалар", "Назначенные формы", "Assigned forms"),
    "app_user.created": ("Түзүлгөн", "Создан", "Created"),
    "app_user.status": ("Абалы", "Статус", "Status"),
    "app_user.active": ("Активдүү", "Активен", "Active"),
    "app_user.revoked": ("Жокко чыгарылган", "Отозван", "Revoked"),
    "app_user.create": ("Жаңы колдонуучу", "Новый пользователь", "New app user"),
    "app_user.create_submit": ("Колдонуучу түзүү", "Создать пользователя", "Create app user"),
    "app_user.no_forms": ("Азырынча дайындай турган формалар жок.", "Пока нет форм для назначения.",
                          "There are no forms to assign yet."),
    "app_user.show_qr": ("QR-кодду көрсөтүү", "Показать QR-код", "Show QR code"),
    "app_user.revoke": ("Жокко чыгаруу…", "Отозвать…", "Revoke…"),
    "app_user.revoke_warning": ("Бул колдонуучунун кирүүсү дароо токтойт жана кайра калыбына келбейт.",
                                "Доступ этого пользователя прекратится сразу и не может быть восстановлен.",
                                "This user's access stops at once and cannot be restored."),
    "app_user.revoke_confirm": ("Ооба, жокко чыгаруу", "Да, отозвать", "Yes, revoke"),
    "notice.app_user_revoked": ("Колдонуучу жокко чыгарылды.", "Пользователь отозван.",
                                "The app user was revoked."),
    "notice.app_user_created": ("Колдонуучу түзүлдү. Бул QR-кодду ODK Collect менен сканерлеңиз.",
                                "Пользователь создан. Отсканируйте этот QR-код в ODK Collect.",
                                "The app user was created. Scan this QR code with ODK Collect."),
    "qr.title": ("ODK Collect үчүн QR-код", "QR-код для ODK Collect", "QR code for ODK Collect"),
    "qr.help": ("ODK Collectте долбоор кошуп, «QR-код менен жөндөө» тандап, бул кодду сканерлеңиз.",
                "В ODK Collect добавьте проект, выберите настройку по QR-коду и отсканируйте этот код.",
                "In ODK Collect, add a project, choose to configure it with a QR code and scan this code."),
    "qr.alt": ("ODK Collect жөндөөлөрү жазылган QR-код", "QR-код с настройками ODK Collect",
               "QR code with the ODK Collect settings"),
    "qr.server_url": ("Сервердин дареги (кол менен жөндөө үчүн)", "Адрес сервера (для ручной настройки)",
                      "Server URL (for manual setup)"),
    "qr.secret": ("Бул код жана дарек — купуя ачкыч. Аларды бөтөн адамдарга көрсөтпөңүз.",
                  "Этот код и адрес — секретный ключ. Не показывайте их посторонним.",
                  "This code and address are a secret key. Do not show them to anyone else."),
    "qr.revoked": ("Бул колдонуучу жокко чыгарылган, ошондуктан QR-коду жок.",
                   "Этот пользователь отозван, поэтому QR-кода нет.",
                   "This app user has been revoked, so there is no QR code."),
    # One form: versions and submissions
    "versions.title": ("Жарыяланган версиялар", "Опубликованные версии", "Published versions"),
    "versions.none": ("Форма азырынча жарыялана элек.", "Форма ещё не опубликована.",
                      "The form has not been published yet."),
    "version.version": ("Версиясы", "Версия", "Version"),
    "version.published_at": ("Жарыяланган убактысы", "Дата публикации", "Published"),
    "version.current": ("учурдагы", "текущая", "current"),
    "version.empty": ("(версиясыз)", "(без версии)", "(no version)"),
    "submissions.title": ("Жөнөтүүлөр", "Отправки", "Submissions"),
    "submissions.none": ("Азырынча жөнөтүүлөр жок.", "Отправок пока нет.", "There are no submissions yet."),
    "submissions.total": ("Бардыгы: {count}", "Всего: {count}", "Total: {count}"),
    "submission.instance_id": ("instanceID", "instanceID", "instanceID"),
    "submission.received_at": ("Кабыл алынган убакыт", "Получено", "Received"),
    "submission.submitter": ("Жөнөткөн", "Отправитель", "Submitted by"),
    "submission.review_state": ("Текшерүү абалы", "Статус проверки", "Review state"),
    "submission.attachments": ("Файлдар (келди / күтүлөт)", "Файлы (получено / ожидается)",
                               "Files (received / expected)"),
    "review.received": ("Кабыл алынды", "Получено", "Received"),
    "review.hasIssues": ("Маселелери бар", "Есть замечания", "Has issues"),
    "review.edited": ("Оңдолгон", "Изменено", "Edited"),
    "review.approved": ("Бекитилди", "Одобрено", "Approved"),
    "review.rejected": ("Четке кагылды", "Отклонено", "Rejected"),
    "pager.previous": ("← Мурунку", "← Предыдущая", "← Previous"),
    "pager.next": ("Кийинки →", "Следующая →", "Next →"),
    "pager.page_of": ("{page}-барак, бардыгы {pages}", "Страница {page} из {pages}", "Page {page} of {pages}"),
    # One submission
    "submission.title": ("Жөнөтүү {instance_id}", "Отправка {instance_id}", "Submission {instance_id}"),
    "submission.fields": ("Маалыматтар", "Данные", "Data"),
    "submission.showing_old": ("Бул мурунку версия. Учурдагы версияны көрүү", "Это прежняя версия. Открыть текущую",
                               "This is an earlier version. Show the current one"),
    "field.path": ("Талаа", "Поле", "Field"),
    "field.value": ("Маани", "Значение", "Value"),
    "personal.hidden": ("Жеке маалыматтар (коддор, эркин жооптор, купуя суроолор) жана файлдар жашырылган.",
                        "Персональные данные (коды, свободные ответы, чувствительные вопросы) и файлы скрыты.",
                        "Personal data (codes, free-text and sensitive answers) and files are hidden."),
    "personal.purpose": ("Жеке маалыматтарды эмне үчүн көрөсүз? (журналга жазылат)",
                         "Для чего вам нужны персональные данные? (записывается в журнал)",
                         "Why do you need the personal data? (recorded in the audit log)"),
    "personal.show": ("Жеке маалыматтарды көрсөтүү", "Показать персональные данные", "Show personal data"),
    "personal.shown": ("Жеке маалыматтар көрсөтүлдү. Максат: {purpose}", "Персональные данные показаны. Цель: {purpose}",
                       "Personal data shown. Purpose: {purpose}"),
    "personal.no_right": ("Сиздин ролуңуз жеке маалыматтарды көрүүгө укук бербейт.",
                          "Ваша роль не даёт права видеть персональные данные.",
                          "Your role may not see personal data."),
    "submission.versions": ("Версиялар (оңдоолор)", "Версии (правки)", "Versions (edits)"),
    "attachments.title": ("Тиркелген файлдар", "Вложения", "Attachments"),
    "attachments.none": ("Тиркелген файлдар жок.", "Вложений нет.", "There are no attachments."),
    "attachment.missing": ("азырынча келе элек", "ещё не получен", "not received yet"),
    "attachment.download": ("Жүктөп алуу", "Скачать", "Download"),
    "submitter.app_user": ("{name} (планшет)", "{name} (планшет)", "{name} (tablet)"),
    "submitter.staff": ("{name} (кызматкер)", "{name} (сотрудник)", "{name} (staff)"),
    "submitter.web_personal": ("катышуучунун жеке веб-шилтемеси", "личная веб-ссылка участника",
                               "the participant's personal web link"),
    "submitter.web_school": ("окуу жайдын веб-шилтемеси {name}", "веб-ссылка учебного заведения {name}",
                             "school web link {name}"),
    # Verification: filters, bulk review, flags, comments, events (§15.3, §20.1.4)
    "filters.title": ("Чыпкалар", "Фильтры", "Filters"),
    "filter.state": ("Текшерүү абалы", "Статус проверки", "Review state"),
    "filter.flagged": ("Сапат белгилери", "Отметки качества", "Quality flags"),
    "filter.any": ("баары", "все", "any"),
    "filter.flagged_yes": ("белгилери бар", "есть отметки", "flagged"),
    "filter.flagged_no": ("белгилери жок", "без отметок", "not flagged"),
    "filter.school": ("Окуу жайдын коду", "Код учебного заведения", "School code"),
    "filter.field": ("Катмар (ачык талаа)", "Страта (открытое поле)", "Stratum (clear field)"),
    "filter.value": ("Мааниси", "Значение", "Value"),
    "filter.since": ("Кабыл алынган, баштап", "Получено с", "Received from"),
    "filter.until": ("чейин", "по", "until"),
    "filter.apply": ("Колдонуу", "Применить", "Apply"),
    "filter.clear": ("Чыпкаларды тазалоо", "Сбросить фильтры", "Clear filters"),
    "submissions.matching": ("Чыпкага туура келет: {count}", "Подходит под фильтр: {count}",
                             "Matching the filters: {count}"),
    "submission.flags": ("Сапат белгилери", "Отметки качества", "Quality flags"),
    "submission.select": ("Тандоо", "Выбрать", "Select"),
    "flag.missing_required": ("Милдеттүү жооптор жок", "Нет обязательных ответов", "Missing required answers"),
    "flag.out_of_range": ("Чектен тышкары сан", "Число вне допустимых границ", "Number out of range"),
    "flag.too_fast": ("Өтө тез толтурулган", "Заполнено слишком быстро", "Filled in too fast"),
    "flag.straight_lining": ("Бардык жооптор бирдей", "Все ответы одинаковые", "Straight-lining"),
    "bulk.title": ("Тандалгандарды текшерүү", "Проверка выбранных", "Review the selected"),
    "bulk.state": ("Жаңы абалы", "Новый статус", "New state"),
    "bulk.apply": ("Тандалгандарга колдонуу", "Применить к выбранным", "Apply to the selected"),
    "bulk.flagged": ("Белгиси барларды «Маселелери бар» деп белгилөө",
                     "Отметить все отправки с отметками качества как «Есть замечания»",
                     "Mark every flagged submission as “Has issues”"),
    "bulk.flagged_help": ("Абалы «Кабыл алынды» же «Оңдолгон» болгон, сапат белгиси бар бардык жөнөтүүлөр.",
                          "Все отправки со статусом «Получено» или «Изменено», у которых есть отметки качества.",
                          "Every submission in state Received or Edited whose current version has quality flags."),
    "notice.reviewed": ("Текшерүү абалы сакталды.", "Статус проверки сохранён.", "The review state was saved."),
    "notice.flagged_marked": ("Белгиси бар жөнөтүүлөр «Маселелери бар» деп белгиленди.",
                              "Отправки с отметками качества помечены как «Есть замечания».",
                              "The flagged submissions were marked as having issues."),
    "notice.comment_added": ("Комментарий кошулду.", "Комментарий добавлен.", "The comment was added."),
    "flags.title": ("Сапатты текшерүү", "Проверка качества", "Quality checks"),
    "flags.none": ("Автоматтык текшерүү эч нерсе тапкан жок.", "Автоматическая проверка ничего не нашла.",
                   "The automatic checks found nothing."),
    "flags.help": ("Бул белгилер жөнөтүү келгенде эсептелет; алар текшерүүчүгө сунуш гана.",
                   "Отметки вычисляются при получении отправки; это лишь подсказка для верификатора.",
                   "Flags are computed when a submission arrives; they are hints for the verifier."),
    "review.title": ("Текшерүү", "Проверка", "Review"),
    "review.comment_optional": ("Комментарий (милдеттүү эмес)", "Комментарий (необязательно)",
                                "Comment (optional)"),
    "review.save": ("Абалын сактоо", "Сохранить статус", "Save state"),
    "comments.title": ("Комментарийлер", "Комментарии", "Comments"),
    "comments.none": ("Азырынча комментарийлер жок.", "Комментариев пока нет.", "There are no comments yet."),
    "comment.body": ("Комментарий", "Комментарий", "Comment"),
    "comment.add": ("Комментарий кошуу", "Добавить комментарий", "Add comment"),
    "comment.by": ("{name}, {when}", "{name}, {when}", "{name}, {when}"),
    "events.title": ("Окуялардын тарыхы", "История событий", "Event history"),
    "events.none": ("Азырынча окуялар жок.", "Событий пока нет.", "Nothing has happened yet."),
    "event.review": ("Абалы: {old} → {new}", "Статус: {old} → {new}", "State: {old} → {new}"),
    "event.comment": ("Комментарий кошулду", "Добавлен комментарий", "Comment added"),
    "event.other": ("Окуя: {action}", "Событие: {action}", "Event: {action}"),
    "history.title": ("Версиялардын тарыхы", "История версий", "Version history"),
    "history.flags": ("Белгилер", "Отметки", "Flags"),
    # Errors
    "error.title": ("Ката", "Ошибка", "Error"),
    "error.code": ("Катанын коду: {code}", "Код ошибки: {code}", "Error code: {code}"),
    "error.server_said": ("Сервердин билдирүүсү (англисче):", "Сообщение сервера (на английском):",
                          "Server message:"),
    "error.home": ("Башкы бетке", "На главную", "Go to the start page"),
    # Sync with other servers
    "sync.title": ("Синхрондоштуруу", "Синхронизация", "Sync"),
    "sync.intro": ("Башка серверлер менен акыркы алмашуулар (sapat sync же график боюнча).",
                   "Последние обмены с другими серверами (sapat sync или по расписанию).",
                   "The latest exchanges with other servers (sapat sync or on a schedule)."),
    "sync.none": ("Азырынча синхрондоштуруу болгон жок.", "Синхронизаций пока не было.", "No sync has run yet."),
    "sync.started": ("Башталды", "Начало", "Started"),
    "sync.finished": ("Бүттү", "Окончание", "Finished"),
    "sync.direction": ("Багыт", "Направление", "Direction"),
    "sync.direction.pull": ("Алуу", "Получение", "Pull"),
    "sync.direction.push": ("Жөнөтүү", "Отправка", "Push"),
    "sync.remote": ("Сервер", "Сервер", "Server"),
    "sync.trigger": ("Ким баштады", "Запуск", "Started by"),
    "sync.trigger.cli": ("Буйрук сабы", "Командная строка", "Command line"),
    "sync.trigger.schedule": ("График", "Расписание", "Schedule"),
    "sync.status": ("Натыйжа", "Результат", "Result"),
    "sync.status.running": ("Жүрүп жатат", "Выполняется", "Running"),
    "sync.status.ok": ("Баары көчүрүлдү", "Всё скопировано", "All copied"),
    "sync.status.partial": ("Толук эмес", "Не полностью", "Partly copied"),
    "sync.status.failed": ("Байланыш үзүлдү", "Связь прервана", "Link failed"),
    "sync.submissions": ("Жаңы жооптор", "Новые ответы", "New submissions"),
    "sync.versions": ("Версиялар", "Версии", "Versions"),
    "sync.attachments": ("Файлдар", "Файлы", "Files"),
    "sync.not_copied": ("Көчүрүлгөн жок", "Не скопировано", "Not copied"),
    "sync.failures": ("Акыркы жолу эмне көчүрүлгөн жок", "Что не удалось скопировать в последний раз",
                      "What the latest run could not copy"),
    "project.sync_link": ("Синхрондоштуруу", "Синхронизация", "Sync"),
    "project.exports_link": ("Экспорт жана тапшыруу", "Экспорт и передача", "Exports and handover"),
    "exports.title": ("Маалыматтарды экспорттоо", "Экспорт данных", "Data exports"),
    "exports.intro": ("Анонимдештирилген топтомдор аналитиктер жана Департамент үчүн; жеке маалыматтары бар "
                      "топтом маалымат менеджерине гана, максаты көрсөтүлүп берилет. Ар бир жүктөп алуу катталат.",
                      "Обезличенные наборы — для аналитиков и Департамента; набор с персональными данными — только "
                      "менеджеру данных с указанием цели. Каждое скачивание записывается в журнал.",
                      "Anonymized datasets are for analysts and the Department; a dataset with personal data only "
                      "for a data manager who states a purpose. Every download is audited."),
    "exports.new": ("Жаңы экспорт", "Новый экспорт", "New export"),
    "exports.form": ("Форма", "Форма", "Form"),
    "exports.kind": ("Түрү", "Вид", "Kind"),
    "exports.kind.anonymized": ("Анонимдештирилген", "Обезличенный", "Anonymized"),
    "exports.kind.raw": ("Жеке маалыматтары менен (максаты менен)", "С персональными данными (с целью)",
                         "With personal data (with a purpose)"),
    "exports.formats": ("Форматтар", "Форматы", "Formats"),
    "exports.format.csv": ("CSV (UTF-8)", "CSV (UTF-8)", "CSV (UTF-8)"),
    "exports.format.xlsx": ("Excel (XLSX)", "Excel (XLSX)", "Excel (XLSX)"),
    "exports.format.sav": ("SPSS (.sav)", "SPSS (.sav)", "SPSS (.sav)"),
    "exports.language": ("Белгилердин тили", "Язык меток", "Language of labels"),
    "exports.purpose": ("Максаты (жеке маалыматтар үчүн)", "Цель (для персональных данных)",
                        "Purpose (for personal data)"),
    "exports.purpose_hint": ("Жеке маалыматтар үчүн жок дегенде 10 белги: эмне үчүн керек экенин жазыңыз.",
                             "Для персональных данных не меньше 10 знаков: напишите, зачем они нужны.",
                             "For personal data at least 10 characters: say why you need it."),
    "exports.start": ("Экспортту баштоо", "Начать экспорт", "Start the export"),
    "exports.no_forms": ("Жарыяланган формалар жок.", "Опубликованных форм нет.", "There are no published forms."),
    "exports.jobs": ("Акыркы экспорттор", "Последние экспорты", "Latest exports"),
    "exports.none": ("Азырынча экспорт болгон жок.", "Экспортов пока не было.", "No export has been made yet."),
    "exports.requested": ("Суралды", "Запрошен", "Requested"),
    "exports.status": ("Абалы", "Состояние", "Status"),
    "exports.status.queued": ("Кезекте", "В очереди", "Queued"),
    "exports.status.running": ("Жүрүп жатат", "Выполняется", "Running"),
    "exports.status.done": ("Даяр", "Готов", "Done"),
    "exports.status.failed": ("Ишке ашкан жок", "Не удался", "Failed"),
    "exports.status.interrupted": ("Үзгүлтүккө учурады", "Прерван", "Interrupted"),
    "exports.rows": ("Саптар", "Строк", "Rows"),
    "exports.k_reached": ("Жетилген k", "Достигнутое k", "k reached"),
    "exports.download": ("Жүктөп алуу", "Скачать", "Download"),
    "notice.export_started": ("Экспорт башталды; бул бет өзү жаңыланат.", "Экспорт начат; страница обновляется "
                              "сама.", "The export has started; this page refreshes itself."),
    "handovers.title": ("Департаментке тапшыруу пакеттери", "Пакеты передачи Департаменту",
                        "Department handover packages"),
    "handovers.intro": ("Пакет буйрук сабынан түзүлөт: sapat handover build --project P; текшерүү: "
                        "sapat handover verify ПАКЕТ.", "Пакет создаётся из командной строки: sapat handover "
                        "build --project P; проверка: sapat handover verify ПАКЕТ.",
                        "Packages are built on the command line: sapat handover build --project P; checked "
                        "with sapat handover verify PACKAGE."),
    "handovers.none": ("Азырынча пакет түзүлгөн жок.", "Пакетов пока нет.", "No package has been built yet."),
    # The sample and fieldwork coverage
    "project.sample_link": ("Тандоо", "Выборка", "Sample"),
    "project.coverage_link": ("Камтуу", "Охват", "Coverage"),
    "sample.title": ("Окуу жайлардын тандоосу", "Выборка учебных заведений", "School sample"),
    "sample.intro": ("Тандоо алкагы, катмарлар, тандалган жана запастагы окуу жайлар (§4.16, §20.1.1).",
                     "Основа выборки, страты, отобранные и резервные учебные заведения (§4.16, §20.1.1).",
                     "Sampling frame, strata, drawn and reserve schools (§4.16, §20.1.1)."),
    "sample.none": ("Тандоо али жасала элек. Алкакта {schools} окуу жай бар. Буйрук сабынан:",
                    "Выборка ещё не сделана. В основе выборки {schools} учебных заведений. Из командной строки:",
                    "No sample has been drawn yet. The frame holds {schools} schools. On the command line:"),
    "sample.design": ("Тандоонун дизайны", "Дизайн выборки", "Design"),
    "sample.summary": ("{frame} окуу жайдан {selected} тандалды, {strata} катмар; запаста калды: {reserves}.",
                       "Из {frame} учебных заведений отобрано {selected}, страт: {strata}; в резерве осталось: "
                       "{reserves}.", "{selected} of {frame} schools drawn in {strata} strata; {reserves} reserves left."),
    "sample.method": ("Ыкма", "Метод", "Method"),
    "sample.allocation": ("Бөлүштүрүү", "Распределение", "Allocation"),
    "sample.strata_by": ("Катмарлар", "Страты", "Strata"),
    "sample.seed": ("Кокустук саны (seed)", "Начальное число (seed)", "Seed"),
    "sample.frame_digest": ("Алкактын SHA-256", "SHA-256 основы выборки", "Frame SHA-256"),
    "sample.download": ("Тандоо боюнча отчет (XLSX)", "Отчёт о выборке (XLSX)", "Sample report (XLSX)"),
    "sample.by_region": ("Аймактар боюнча: алкак жана тандоо", "По регионам: основа и выборка",
                         "By region: frame and sample"),
    "sample.by_region_hint": ("Окуучулардын үлүшү: боз — алкак, жашыл — катышкан окуу жайлар.",
                              "Доля обучающихся: серый — основа выборки, зелёный — участвующие учебные заведения.",
                              "Share of enrolment: grey is the frame, green the schools taking part."),
    "sample.region": ("Аймак", "Регион", "Region"),
    "sample.share": ("Үлүшү", "Доля", "Share"),
    "sample.frame": ("Алкак", "Основа", "Frame"),
    "sample.sample": ("Тандоо", "Выборка", "Sample"),
    "sample.strata": ("Катмарлар", "Страты", "Strata"),
    "sample.stratum": ("Катмар", "Страта", "Stratum"),
    "sample.frame_schools": ("Алкакта", "В основе", "In frame"),
    "sample.frame_enrolment": ("Окуучулар (алкак)", "Обучающихся (основа)", "Enrolment (frame)"),
    "sample.allocated": ("Бөлүнгөн", "Распределено", "Allocated"),
    "sample.certainty": ("Сөзсүз", "Обязательно", "Certain"),
    "sample.taking_part": ("Катышат", "Участвуют", "Taking part"),
    "sample.refused": ("Баш тартты", "Отказались", "Refused"),
    "sample.reserves_left": ("Запаста", "В резерве", "Reserves left"),
    "sample.probability": ("Ыктымалдык", "Вероятность", "Probability"),
    "sample.schools": ("Тандалган окуу жайлар", "Отобранные учебные заведения", "Schools in the sample"),
    "sample.code": ("Код", "Код", "Code"),
    "sample.name": ("Аталышы", "Название", "Name"),
    "sample.status": ("Абалы", "Статус", "Status"),
    "sample.enrolment": ("Окуучулар", "Обучающихся", "Enrolment"),
    "sample.design_weight": ("Дизайн салмагы", "Вес дизайна", "Design weight"),
    "sample.replaces": ("{code} ордуна", "вместо {code}", "replaces {code}"),
    "sample.certain": ("сөзсүз", "обязательно", "certain"),
    "school_status.active": ("Катышат", "Участвует", "Taking part"),
    "school_status.refused": ("Баш тартты", "Отказ", "Refused"),
    "school_status.unused": ("Запаста", "В резерве", "Reserve"),
    "school_status.replacement": ("Алмаштыруучу", "Замена", "Replacement"),
    "region.bishkek": ("Бишкек шаары", "г. Бишкек", "Bishkek city"),
    "region.osh_city": ("Ош шаары", "г. Ош", "Osh city"),
    "region.batken": ("Баткен облусу", "Баткенская область", "Batken"),
    "region.jalal_abad": ("Жалал-Абад облусу", "Джалал-Абадская область", "Jalal-Abad"),
    "region.issyk_kul": ("Ысык-Көл облусу", "Иссык-Кульская область", "Issyk-Kul"),
    "region.naryn": ("Нарын облусу", "Нарынская область", "Naryn"),
    "region.osh": ("Ош облусу", "Ошская область", "Osh"),
    "region.talas": ("Талас облусу", "Таласская область", "Talas"),
    "region.chui": ("Чүй облусу", "Чуйская область", "Chui"),
    "coverage.title": ("Талаа иштеринин камтуусу", "Охват полевых работ", "Fieldwork coverage"),
    "coverage.intro": ("Ар бир курал боюнча ким жооп берди: катмарлар жана окуу жайлар боюнча, тирүү режимде.",
                       "Кто ответил по каждому инструменту: по стратам и учебным заведениям, в реальном времени.",
                       "Who has answered each instrument, by stratum and school, live."),
    "coverage.threshold": ("Чек (жооп берүү үлүшү)", "Порог (доля ответивших)", "Threshold (response rate)"),
    "coverage.apply": ("Колдонуу", "Применить", "Apply"),
    "coverage.no_sample": ("Тандоо али жасала элек.", "Выборка ещё не сделана.", "No sample has been drawn yet."),
    "coverage.no_forms": ("Жарыяланган форма жок.", "Опубликованных форм нет.", "No form is published."),
    "coverage.download": ("Камтуу (XLSX)", "Охват (XLSX)", "Coverage (XLSX)"),
    "coverage.total": ("Жооп берди: {responded}/{selected} ({rate})", "Ответили: {responded}/{selected} ({rate})",
                       "Responded: {responded}/{selected} ({rate})"),
    "coverage.last": ("Акыркы жооп", "Последний ответ", "Last activity"),
    "coverage.unmatched": ("тандоодо жок коддор менен {n} жооп", "{n} ответов с кодами не из выборки",
                           "{n} submissions with codes not in the sample"),
    "coverage.rate": ("Жооп берүү үлүшү", "Доля ответивших", "Response rate"),
    "coverage.responded": ("Жооп берди", "Ответили", "Responded"),
    "coverage.selected": ("Тандалган", "Отобрано", "Selected"),
    "coverage.below": ("Чектен төмөн окуу жайлар: {n}", "Учебных заведений ниже порога: {n}",
                       "Schools below the threshold: {n}"),
    "coverage.schools": ("Бардык окуу жайлар", "Все учебные заведения", "All schools"),
    "unit.school": ("окуу жай", "учебное заведение", "school"),
    "unit.student": ("окуучулар", "обучающиеся", "students"),
    "unit.graduate": ("бүтүрүүчүлөр", "выпускники", "graduates"),
    "unit.teacher": ("мугалимдер", "преподаватели", "teachers"),
    "unit.head": ("жетекчилер", "руководители", "heads"),
    "unit.employer": ("иш берүүчүлөр", "работодатели", "employers"),
    # Staff: online questionnaires (web links)
    "project.web_link": ("Онлайн-анкеталар", "Онлайн-анкеты", "Online questionnaires"),
    "weblinks.title": ("Онлайн-анкеталар жана веб-шилтемелер", "Онлайн-анкеты и веб-ссылки",
                       "Online questionnaires and web links"),
    "weblinks.intro": ("Катышуучулар браузерде жооп берет: тандалган катышуучулар жеке шилтеме аркылуу (дайындоо "
                       "барагында басылат), башкалар окуу жайдын шилтемеси аркылуу.",
                       "Участники отвечают в браузере: отобранные участники по личной ссылке (печатается в листах "
                       "назначения), остальные по ссылке учебного заведения.",
                       "Participants answer in the browser: selected participants through their personal link "
                       "(printed on the assignment sheets), others through a school link."),
    "weblinks.forms": ("Браузерде ачык формалар", "Формы, открытые в браузере", "Forms open in the browser"),
    "weblinks.state": ("Абалы", "Состояние", "State"),
    "weblinks.not_open": ("Ачылган эмес", "Не открыта", "Not open"),
    "weblinks.open": ("Ачык", "Открыта", "Open"),
    "weblinks.open_until": ("{when} чейин ачык", "Открыта до {when}", "Open until {when}"),
    "weblinks.closed": ("Жабык ({when} бери)", "Закрыта (с {when})", "Closed (since {when})"),
    "weblinks.closes": ("Акыркы күнү (милдеттүү эмес)", "Последний день (необязательно)", "Last day (optional)"),
    "weblinks.open_action": ("Браузерде ачуу", "Открыть в браузере", "Open in the browser"),
    "weblinks.close": ("Жабуу", "Закрыть", "Close"),
    "weblinks.personal_hint": ("Форма ачылары менен анын категориясындагы катышуучулардын жеке шилтемелери иштей "
                               "баштайт.", "Как только форма открыта, начинают работать личные ссылки участников "
                               "её категории.", "Once a form is open, the personal links of the participants of "
                               "its category work."),
    "weblinks.links": ("Окуу жайлардын шилтемелери", "Ссылки учебных заведений", "School links"),
    "weblinks.none": ("Азырынча окуу жайдын шилтемелери жок.", "Ссылок учебных заведений пока нет.",
                      "There are no school links yet."),
    "weblinks.school": ("Окуу жай", "Учебное заведение", "School"),
    "weblinks.used": ("Жооптор", "Ответов", "Answers"),
    "weblinks.expires": ("Мөөнөтү", "Действует до", "Expires"),
    "weblinks.link": ("Шилтеме", "Ссылка", "Link"),
    "weblinks.revoked": ("Жокко чыгарылган", "Отозвана", "Revoked"),
    "weblinks.revoke_warning": ("Бул шилтеме дароо иштебей калат; анын ээлери «шилтеме жокко чыгарылды» деген "
                                "баракты көрөт.", "Ссылка сразу перестанет работать; её получатели увидят "
                                "страницу «ссылка отозвана».", "The link stops working at once; whoever has it "
                                "sees the \u201clink withdrawn\u201d page."),
    "weblinks.no_sample": ("Окуу жайдын шилтемелери тандоодогу окуу жайлар үчүн түзүлөт; бул долбоордо тандоо "
                           "али жок.", "Ссылки создаются для учебных заведений выборки; в этом проекте выборки ещё "
                           "нет.", "School links are made for the schools of the sample; this project has no sample "
                           "yet."),
    "weblinks.create": ("Жаңы шилтеме", "Новая ссылка", "New link"),
    "weblinks.quota": ("Эң көп жооп (милдеттүү эмес)", "Не больше ответов (необязательно)",
                       "At most this many answers (optional)"),
    "weblinks.create_submit": ("Шилтеме түзүү", "Создать ссылку", "Create link"),
    "notice.web_opened": ("Форма браузерде ачылды.", "Форма открыта в браузере.", "The form is open in the browser."),
    "notice.web_closed": ("Форма браузерде жабылды.", "Форма закрыта в браузере.", "The form is closed in the browser."),
    "notice.web_link_created": ("Шилтеме түзүлдү.", "Ссылка создана.", "The link was created."),
    "notice.web_link_revoked": ("Шилтеме жокко чыгарылды.", "Ссылка отозвана.", "The link was revoked."),
    # Online questionnaires: the pages participants see (Kyrgyz and Russian; English for staff previews)
    "web.title": ("Онлайн-анкета", "Онлайн-анкета", "Online questionnaire"),
    "web.purpose_title": ("Сурамжылоонун максаты", "Цель опроса", "Purpose of the survey"),
    "web.purpose": ("Бул анкета Кыргыз Республикасынын Агартуу министрлигинин тапшырмасы боюнча кесиптик билим "
                    "берүүнүн сапатына жүргүзүлүүчү көз карандысыз тышкы мониторингдин (тандалма изилдөөнүн) "
                    "бөлүгү. Жоопторуңуз окутуунун жана окуу шарттарынын сапатын баалоого жана жакшыртууга "
                    "жардам берет.",
                    "Эта анкета — часть независимого внешнего мониторинга (выборочного исследования) качества "
                    "профессионального образования, который проводится по заданию Министерства просвещения "
                    "Кыргызской Республики. Ваши ответы помогут оценить и улучшить качество обучения и условия "
                    "учёбы.",
                    "This questionnaire is part of the independent external monitoring (a sample survey) of the "
                    "quality of vocational education, carried out for the Ministry of Education of the Kyrgyz "
                    "Republic. Your answers help assess and improve teaching and learning conditions."),
    "web.school": ("Окуу жай: {school}", "Учебное заведение: {school}", "School: {school}"),
    "web.controller_title": ("Маалыматтарды ким иштетет", "Кто обрабатывает данные", "Who processes the data"),
    "web.controller": ("Жеке маалыматтардын ээси (операторы): {controller}.",
                       "Держатель (оператор) персональных данных: {controller}.",
                       "Data controller: {controller}."),
    "web.controller_default": ("мониторингди жүргүзүүчү уюм (Агартуу министрлиги менен келишим боюнча)",
                               "организация-исполнитель мониторинга (по договору с Министерством просвещения)",
                               "the organisation that runs the monitoring (under contract with the Ministry of "
                               "Education)"),
    "web.contact": ("Суроолор боюнча: {contact}", "По вопросам: {contact}", "Questions: {contact}"),
    "web.consent_title": ("Макулдук", "Согласие", "Consent"),
    "web.consent": ("Катышуу ыктыярдуу; каалаган суроону өткөрүп же каалаган убакта токтото аласыз. Жоопторуңуз "
                    "купуя сакталат: алар шифрленип сакталат, окуу жайдын мугалимдерине жана жетекчилигине "
                    "көрсөтүлбөйт жана жалпыланган түрдө гана, «Жеке мүнөздөгү маалымат жөнүндө» Кыргыз "
                    "Республикасынын Мыйзамына ылайык колдонулат. Министрликке аты-жөнү жок, жашырылган "
                    "маалыматтар гана берилет.",
                    "Участие добровольное; вы можете пропустить любой вопрос или прекратить в любой момент. Ваши "
                    "ответы конфиденциальны: они хранятся в зашифрованном виде, не показываются преподавателям и "
                    "администрации учебного заведения и используются только в обобщённом виде, в соответствии с "
                    "Законом Кыргызской Республики «Об информации персонального характера». Министерству "
                    "передаются только обезличенные данные.",
                    "Taking part is voluntary; you may skip any question or stop at any time. Your answers are "
                    "confidential: they are stored encrypted, are not shown to your teachers or school "
                    "management, and are used only in aggregate, under the Law of the Kyrgyz Republic on "
                    "personal information. The Ministry receives anonymized data only."),
    "web.agree": ("Жогорудагыны окудум жана сурамжылоого катышууга макулмун",
                  "Я прочитал(-а) написанное выше и согласен(-на) участвовать в опросе",
                  "I have read the above and agree to take part"),
    "web.start": ("Анкетаны баштоо", "Начать анкету", "Start the questionnaire"),
    "web.answered": ("Жооп берилди", "Ответ получен", "Answered"),
    "web.closed": ("Жабык", "Закрыта", "Closed"),
    "web.none_open": ("Азырынча сиз үчүн ачык анкета жок.", "Пока для вас нет открытых анкет.",
                      "No questionnaire is open for you yet."),
    "web.loading": ("Анкета жүктөлүүдө…", "Анкета загружается…", "The questionnaire is loading…"),
    "web.noscript": ("Анкетаны толтуруу үчүн браузерде JavaScript күйгүзүлүшү керек.",
                     "Чтобы заполнить анкету, в браузере должен быть включён JavaScript.",
                     "Filling in the questionnaire needs JavaScript turned on in the browser."),
    "web.sending": ("Жооптор жөнөтүлүүдө…", "Ответы отправляются…", "Sending the answers…"),
    "web.offline": ("Жооптор жөнөтүлгөн жок: интернет байланышы жок окшойт. Байланышты текшерип, кайра "
                    "«Send» баскычын басыңыз; жоопторуңуз ушул баракта сакталып турат.",
                    "Ответы не отправлены: похоже, нет подключения к интернету. Проверьте связь и снова нажмите "
                    "«Send»; ваши ответы остаются на этой странице.",
                    "The answers were not sent: there seems to be no internet connection. Check it and press "
                    "Send again; your answers stay on this page."),
    "web.failed": ("Жооптор кабыл алынган жок. Кайра аракет кылыңыз.", "Ответы не приняты. Попробуйте ещё раз.",
                   "The answers were not accepted. Please try again."),
    "web.thanks_title": ("Рахмат!", "Спасибо!", "Thank you!"),
    "web.thanks": ("Жоопторуңуз кабыл алынды. Бул баракты жаап койсоңуз болот.",
                   "Ваши ответы получены. Эту страницу можно закрыть.",
                   "Your answers were received. You may close this page."),
    "web.state_title": ("Анкета жеткиликсиз", "Анкета недоступна", "Questionnaire not available"),
    "web.state_help": ("Бул ката деп ойлосоңуз, шилтемени берген адамга кайрылыңыз.",
                       "Если вы считаете это ошибкой, обратитесь к тому, кто дал вам ссылку.",
                       "If you think this is a mistake, contact whoever gave you the link."),
    "web.wf.send": ("Жөнөтүү", "Отправить", "Send"),
    "web.wf.errors_one": ("1 суроодо ката бар.", "1 вопрос с ошибкой.", "1 question with error."),
    "web.wf.errors_many": ("{n} суроодо ката бар.", "Вопросов с ошибками: {n}.", "{n} questions with errors."),
    "web.wf.required": ("Бул суроого жооп берүү милдеттүү.", "Это обязательный вопрос.",
                        "Condition not satisfied: required"),
    "web.wf.constraint": ("Жооп талаптарга туура келбейт.", "Ответ не соответствует условию.",
                          "Condition not satisfied: constraint"),
    "web.wf.select": ("Тандаңыз…", "Выберите…", "Select…"),
    "web.wf.required_mark": ("Милдеттүү", "Обязательно", "Required"),
}

# Problem codes a person meets on the staff pages: (Kyrgyz, Russian). English pages show problems.py's sentence.
PROBLEMS: dict[str, tuple[str, str]] = {
    "400.7": ("Керектүү талаа толтурулган жок: {field}.", "Не заполнено обязательное поле: {field}."),
    "400.8": ("Күтүлбөгөн маани: {field}.", "Неожиданное значение: {field}."),
    "400.11": ("«{field}» талаасынын мааниси туура эмес.", "Недопустимое значение поля «{field}»."),
    "400.15": ("Форма туура эмес.", "Форма содержит ошибки."),
    "401.2": ("Адегенде системага кириңиз.", "Сначала войдите в систему."),
    "403.1": ("Бул аракетке укугуңуз жок.", "У вас нет прав на это действие."),
    "403.2": ("Форма эскирип калган же башка сайттан жөнөтүлгөн. Баракты жаңылап, кайра аракет кылыңыз.",
              "Форма устарела или отправлена не с этого сайта. Обновите страницу и попробуйте снова."),
    "404.1": ("Изделген барак же жазуу табылган жок.", "Запрошенная страница или запись не найдена."),
    "409.3": ("Мындай маани менен жазуу мурунтан эле бар: {values}.",
              "Запись с таким значением уже существует: {values}."),
    "409.6": ("Форманын бул версиясы мурун жарыяланган. settings барагындагы version маанисин өзгөртүп, "
              "файлды кайра жүктөңүз.",
              "Эта версия формы уже была опубликована. Измените значение version на листе settings и "
              "загрузите файл снова."),
    "409.15": ("Бул формада жарыялана турган каралама жок.", "У этой формы нет черновика для публикации."),
    "409.16": ("Форманы жарыялоодон мурун бул медиа файлдарды жүктөңүз: {missing}.",
               "Перед публикацией формы загрузите эти медиафайлы: {missing}."),
    "409.23": ("Бул долбоордо тандоонун мурунку кадамы аткарыла элек.",
               "В этом проекте ещё не выполнен предыдущий шаг выборки."),
    "400.65": ("Бул жооптор бул шилтеме аркылуу кабыл алынбайт.", "Эти ответы нельзя принять по этой ссылке."),
    "404.8": ("Бул анкетанын шилтемеси табылган жок. Шилтеме толук көчүрүлгөнүн текшериңиз.",
              "Ссылка на анкету не найдена. Проверьте, что ссылка скопирована полностью."),
    "409.24": ("Бул шилтеме аркылуу анкетага жооп берилген (балким, башка түзмөктөн). Ар бир катышуучу бир гана "
               "жолу жооп берет. Рахмат!",
               "По этой ссылке анкета уже заполнена (возможно, на другом устройстве). Каждый участник отвечает "
               "один раз. Спасибо!"),
    "409.25": ("Бул шилтеме боюнча жооптордун саны толду.", "По этой ссылке уже получено предусмотренное число "
               "ответов."),
    "410.1": ("Бул шилтемени изилдөө тобу жокко чыгарды.", "Эта ссылка отозвана командой исследования."),
    "410.2": ("Анкета жабык: бул шилтеме аркылуу жооптор мындан ары кабыл алынбайт.",
              "Анкета закрыта: ответы по этой ссылке больше не принимаются."),
    "413.1": ("Файл өтө чоң.", "Файл слишком большой."),
    "429.1": ("Аракеттер өтө көп. {retryAfter} секунддан кийин кайра аракет кылыңыз.",
              "Слишком много попыток. Повторите через {retryAfter} с."),
    "500.1": ("Серверде күтүлбөгөн ката кетти. Бир аздан кийин кайра аракет кылыңыз.",
              "На сервере произошла непредвиденная ошибка. Попробуйте ещё раз немного позже."),
}
# Problems whose English sentence says something the translation cannot (a reason, pyxform's hint).
SHOW_ORIGINAL = {"400.8", "400.11", "400.15", "409.6", "409.23"}
# Wire field names in problem details, shown with the label the form on the page uses.
FIELD_LABELS = {"name": "project.name", "year": "project.year", "stage": "project.stage",
                "status": "project.status", "state": "form.state", "displayName": "app_user.name",
                "forms": "app_user.forms", "file": "upload.file", "email": "login.email",
                "reviewState": "submission.review_state", "submissions": "submissions.title",
                "body": "comment.body", "flagged": "filter.flagged", "field": "filter.field",
                "since": "filter.since", "until": "filter.until"}


def normalise_language(code: str | None) -> str | None:
    """One of LANGUAGES, or None for anything else (so a bad ``?lang=`` is ignored)."""
    code = (code or "").strip().lower()
    return code if code in LANGUAGES else None


def translate(key: str, lang: str, **values) -> str:
    """The message ``key`` in ``lang``, with ``{name}`` placeholders filled from ``values``.

    A key missing from the catalogue is a programming error and raises KeyError,
    so tests catch it rather than a page showing a key.
    """
    text = MESSAGES[key][LANGUAGES.index(lang if lang in LANGUAGES else DEFAULT_LANGUAGE)]
    return _fill(text, values) if values else text


def problem_text(problem, lang: str) -> tuple[str, str | None]:
    """The sentence to show for a Problem, and the English original when it adds specifics."""
    known = PROBLEMS.get(problem.code)
    if lang == "en" or known is None:
        return problem.message, None
    values = {}
    for name, value in problem.details.items():
        if isinstance(value, list | tuple):
            value = ", ".join(map(str, value))
        label = FIELD_LABELS.get(str(value)) if name in ("field", "fields") else None
        values[name] = translate(label, lang) if label else str(value)
    text = _fill(known[LANGUAGES.index(lang)], values)
    return text, problem.message if problem.code in SHOW_ORIGINAL else None


def _fill(text: str, values: dict) -> str:
    """``str.format`` that leaves a placeholder with no value visible instead of failing."""
    names = {field for _, field, _, _ in Formatter().parse(text) if field}
    return text.format(**{name: values.get(name, "{" + name + "}") for name in names})
