; Inno Setup 6 script of the TNT Desktop installer for Windows 10/11 (x64).
;
; NOT BUILT OR TESTED on the project's Linux machines (Inno Setup runs on Windows only); see
; BUILD.md beside this file for the procedure on a Windows build machine:
;
;   pyinstaller build.spec                                     -> dist\tnt-desktop\
;   iscc /DAppVersion=0.1.0 packaging\windows\tnt-desktop.iss  -> dist\TNT-Desktop-0.1.0-setup.exe
;
; AppVersion must be tnt_desktop.__version__ (the single source of truth); BUILD.md reads it.
;
; What it does: installs the PyInstaller folder dist\tnt-desktop\ as a whole into
; {autopf}\TNT Desktop (C:\Program Files\TNT Desktop), a Start-menu shortcut (and optionally a
; desktop shortcut) to tnt-desktop.exe, and an uninstaller. User data is NEVER in the
; installation folder: databases, backups and logs live in the user's profile under
; %LOCALAPPDATA%\FJMUUH\TNT-Desktop\ (platformdirs) or where TNT_DATA_DIR / TNT_LOG_DIR point,
; and preferences in the user's config folder. An upgrade replaces the program files only; the
; uninstaller removes only what [Files] installed ([UninstallDelete] is deliberately absent),
; so every trial record stays where it was.

#ifndef AppVersion
  #error Pass the version: iscc /DAppVersion=X.Y.Z packaging\windows\tnt-desktop.iss
#endif
#ifndef BundleDir
  ; the PyInstaller one-folder bundle, relative to this script
  #define BundleDir "..\..\dist\tnt-desktop"
#endif
#ifndef OutputDir
  #define OutputDir "..\..\dist"
#endif

[Setup]
; AppId identifies the product across versions (upgrades install over it): never change it.
AppId={{6E0F5D0A-3C5B-4B7E-9A1C-2D7F3E8B9C41}
AppName=TNT Desktop
AppVersion={#AppVersion}
AppVerName=TNT Desktop {#AppVersion}
AppPublisher=Fujian Medical University Union Hospital (FJMUUH)
AppComments=eCRF of the TNT-STS trial (NCT06593899)
VersionInfoVersion={#AppVersion}
DefaultDirName={autopf}\TNT Desktop
DefaultGroupName=TNT Desktop
DisableProgramGroupPage=yes
; per-machine install into Program Files (needs administrator rights, as clinic IT expects)
PrivilegesRequired=admin
ArchitecturesAllowed=x64compatible
ArchitecturesInstallIn64BitMode=x64compatible
MinVersion=10.0
OutputDir={#OutputDir}
OutputBaseFilename=TNT-Desktop-{#AppVersion}-setup
SetupIconFile=..\..\resources\icons\tnt-desktop.ico
UninstallDisplayIcon={app}\tnt-desktop.exe
UninstallDisplayName=TNT Desktop {#AppVersion}
Compression=lzma2/max
SolidCompression=yes
WizardStyle=modern
; close a running TNT Desktop before replacing its files (upgrade)
CloseApplications=yes
RestartApplications=no

[Languages]
Name: "en"; MessagesFile: "compiler:Default.isl"
; ChineseSimplified.isl: if the Inno Setup installation lacks it in Languages\, download it from
; the Inno Setup translations page (jrsoftware.org/files/istrans/) into that folder.
Name: "zh_CN"; MessagesFile: "compiler:Languages\ChineseSimplified.isl"

[CustomMessages]
en.DesktopIcon=Create a desktop shortcut
zh_CN.DesktopIcon=创建桌面快捷方式
en.DataKept=Your trial databases, backups and logs are kept in %LOCALAPPDATA%\FJMUUH\TNT-Desktop (they are not removed).
zh_CN.DataKept=您的试验数据库、备份和日志保留在 %LOCALAPPDATA%\FJMUUH\TNT-Desktop 中（不会被删除）。

[Tasks]
Name: "desktopicon"; Description: "{cm:DesktopIcon}"; Flags: unchecked

[InstallDelete]
; an upgrade replaces the bundle as a whole: files of the previous version's _internal folder
; that the new version no longer has must not linger (program files only, never user data)
Type: filesandordirs; Name: "{app}\_internal"

[Files]
Source: "{#BundleDir}\*"; DestDir: "{app}"; Flags: ignoreversion recursesubdirs createallsubdirs

[Icons]
Name: "{autoprograms}\TNT Desktop"; Filename: "{app}\tnt-desktop.exe"; WorkingDir: "{app}"; Comment: "TNT-STS eCRF"
Name: "{autodesktop}\TNT Desktop"; Filename: "{app}\tnt-desktop.exe"; WorkingDir: "{app}"; Tasks: desktopicon

[Run]
Filename: "{app}\tnt-desktop.exe"; Description: "{cm:LaunchProgram,TNT Desktop}"; Flags: nowait postinstall skipifsilent

; No [UninstallDelete] and no [Registry] entries for data: the uninstaller removes only the
; program files installed above. User data under %LOCALAPPDATA% is never touched.

[Code]
procedure CurUninstallStepChanged(CurUninstallStep: TUninstallStep);
begin
  if (CurUninstallStep = usPostUninstall) and (not UninstallSilent) then
    MsgBox(ExpandConstant('{cm:DataKept}'), mbInformation, MB_OK);
end;
