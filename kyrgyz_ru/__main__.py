from kyrgyz_ru.cli import main

main()
